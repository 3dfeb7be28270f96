// Shared by the Node.js client-matrix scripts: the 1 MB value, a check helper, and a watchdog
// so a client that never connects (node-redis reconnects forever after a refused handshake)
// fails with the reason instead of hanging the test.
'use strict';

const BIG_LEN = 1 << 20;

// The same 1 MB pattern every client script builds (see ../python/matrix_redis_py.py).
function bigValue() {
  const b = Buffer.alloc(BIG_LEN);
  for (let i = 0; i < BIG_LEN; i++) b[i] = 97 + ((i * 7 + (i >> 10)) % 26);
  return b.toString('latin1');
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

function sameArray(a, b) {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

// Runs main(); prints the failure and exits 1 on a thrown error, on the first client 'error'
// event (reported through the returned fail function), or after timeoutMs.
function run(main, timeoutMs = 60000) {
  const fail = (e) => {
    console.error('FAIL: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  };
  const timer = setTimeout(() => fail(new Error('timed out after ' + timeoutMs + ' ms')), timeoutMs);
  main(fail).then(() => { clearTimeout(timer); process.exit(0); }, fail);
}

module.exports = { BIG_LEN, bigValue, check, sameArray, run };
