"""Headless Chromium driven over its DevTools protocol (Debian's chromium and
python3-websocket), for the dashboard's test. Every wait is on a condition with a deadline.

    with Browser(tmp_path) as b:
        b.navigate("http://127.0.0.1:9666/dashboard")
        b.wait_for("document.body.dataset.updates >= 1")
        png = b.screenshot(b.rect("#chart-components canvas"))
"""
import base64
import io
import json
import os
import subprocess
import time
import urllib.request

import websocket
from PIL import Image

CHROMIUM = "chromium"


class Browser:
    def __init__(self, profile_dir, width=1280, height=1800, timeout=60):
        self.profile_dir = str(profile_dir)
        self.width, self.height, self.timeout = width, height, timeout
        self.proc = None
        self.ws = None
        self.next_id = 0

    def __enter__(self):
        args = [CHROMIUM, "--headless=new", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--remote-debugging-port=0", "--user-data-dir=" + self.profile_dir,
                "--window-size=%d,%d" % (self.width, self.height), "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        self.log = open(os.path.join(self.profile_dir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        port = self._devtools_port()
        self.ws = websocket.create_connection(self._page_url(port), timeout=self.timeout,
                                              suppress_origin=True)
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc):
        if self.ws is not None:
            self.ws.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def _devtools_port(self):
        """Chromium writes the port it chose into DevToolsActivePort once it listens."""
        path = os.path.join(self.profile_dir, "DevToolsActivePort")
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited early:\n" + self.read_log())
            try:
                with open(path) as f:
                    first = f.readline().strip()
                if first:
                    return int(first)
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("chromium did not start:\n" + self.read_log())

    def _page_url(self, port):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=30) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise RuntimeError("chromium has no page target")

    def read_log(self):
        with open(os.path.join(self.profile_dir, "chromium.log"), "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def call(self, method, **params):
        """Sends one DevTools command and returns its result; events in between are dropped."""
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg["result"]

    def eval(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError("%s: %s" % (expression, res["exceptionDetails"]))
        return res["result"].get("value")

    def navigate(self, url, headers=None):
        if headers:
            self.call("Network.enable")
            self.call("Network.setExtraHTTPHeaders", headers=headers)
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && location.href === %s"
                      % json.dumps(url))

    def wait_for(self, expression, what=None, timeout=None):
        """Evaluates `expression` until it is truthy; its last value and the page's status
        line go into the failure."""
        deadline = time.time() + (timeout or self.timeout)
        value = None
        while time.time() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        status = self.eval("(document.getElementById('status') || {}).textContent")
        raise AssertionError("%s never held (last value %r, page status %r)"
                             % (what or expression, value, status))

    def click(self, selector):
        self.eval("document.querySelector(%s).click()" % json.dumps(selector))

    def rect(self, selector):
        """The element's box in CSS pixels (the page is not scrolled: the window is tall)."""
        return self.eval("(() => { const r = document.querySelector(%s)"
                         ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, "
                         "height: r.height}; })()" % json.dumps(selector))

    def screenshot(self, clip):
        """A PIL image of the page's area `clip` (a rect())."""
        res = self.call("Page.captureScreenshot", format="png",
                        clip=dict(clip, scale=1), captureBeyondViewport=True)
        return Image.open(io.BytesIO(base64.b64decode(res["data"]))).convert("RGB")


def pixels_near(image, rgb, tolerance=40):
    """How many pixels of `image` are within `tolerance` (per channel) of colour `rgb`."""
    r0, g0, b0 = rgb
    return sum(1 for r, g, b in image.getdata()
               if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance)


def hex_rgb(color):
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
