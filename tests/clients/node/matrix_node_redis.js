// The client-matrix checks (tests/clients/README.md) run with node-redis (npm `redis`) and its
// defaults, which speak RESP3: the handshake is `HELLO 3`.
//
// Usage: node matrix_node_redis.js PORT [RESP2]. RESP2 passes {RESP: 2}, the documented
// setting for servers without RESP3. Prints one result line; exits non-zero on the first failure.
'use strict';

const { createClient, ErrorReply } = require('redis');
const { version } = require('redis/package.json');
const { BIG_LEN, bigValue, check, sameArray, run } = require('./common');

async function strings(c) {
  check((await c.set('s:k', 'v1')) === 'OK', 'SET');
  check((await c.get('s:k')) === 'v1', 'GET');
  check((await c.set('s:n', '41')) === 'OK' && (await c.incr('s:n')) === 42, 'INCR');
  check((await c.mSet({ 's:a': '1', 's:b': '2' })) === 'OK', 'MSET');
  check(sameArray(await c.mGet(['s:a', 's:b', 's:missing']), ['1', '2', null]), 'MGET');
  check((await c.append('s:k', '23')) === 4 && (await c.get('s:k')) === 'v123', 'APPEND');
  check((await c.getRange('s:k', 1, 2)) === '12', 'GETRANGE');
}

async function keys(c) {
  check((await c.exists(['s:k', 's:a', 'nokey'])) === 2, 'EXISTS');
  check((await c.expire('s:k', 100)) === 1, 'EXPIRE');
  const ttl = await c.ttl('s:k');
  check(ttl >= 90 && ttl <= 100, 'TTL ' + ttl);
  check((await c.ttl('s:a')) === -1 && (await c.ttl('nokey')) === -2, 'TTL without expiry / missing');
  check((await c.type('s:a')) === 'string' && (await c.type('nokey')) === 'none', 'TYPE');
  check((await c.rename('s:a', 's:c')) === 'OK' && (await c.get('s:c')) === '1', 'RENAME');
  check((await c.exists('s:a')) === 0, 'RENAME removed the old name');
  check((await c.del(['s:b', 's:c', 'nokey'])) === 2, 'DEL');
}

async function pipeline(c) {
  const m = c.multi();
  for (let i = 0; i < 50; i++) m.set('p:' + i, 'v' + i);
  for (let i = 0; i < 50; i++) m.get('p:' + i);
  const replies = await m.execAsPipeline();
  check(replies.length === 100, 'pipeline reply count ' + replies.length);
  check(replies.slice(0, 50).every((r) => r === 'OK'), 'pipeline SET replies');
  check(replies.slice(50).every((r, i) => r === 'v' + i), 'pipeline GET replies');
}

async function scan(c) {
  const m = c.multi();
  for (let i = 0; i < 500; i++) m.set('scan:' + i, String(i));
  for (let i = 0; i < 50; i++) m.set('other:' + i, String(i));
  await m.execAsPipeline();
  const want = Array.from({ length: 500 }, (_, i) => 'scan:' + i).sort();
  const seen = [];
  let cursor = '0';
  do {
    const r = await c.scan(cursor, { MATCH: 'scan:*', COUNT: 50 });
    cursor = r.cursor;
    seen.push(...r.keys);
  } while (cursor !== '0');
  check(new Set(seen).size === seen.length, 'SCAN returned a key twice');
  check(sameArray(seen.sort(), want), 'SCAN MATCH: ' + new Set(seen).size + ' keys seen, 500 set');
}

async function errors(c) {
  await c.set('e:text', 'abc');
  let err = null;
  try {
    await c.incr('e:text');
  } catch (e) {
    err = e;
  }
  check(err instanceof ErrorReply, 'INCR on a non-integer did not reject with ErrorReply: ' + err);
  check(err.message.includes('not an integer'), 'INCR error text ' + err.message);
  check((await c.ping()) === 'PONG', 'connection usable after an error reply');
}

async function big(c) {
  const v = bigValue();
  check((await c.set('big', v)) === 'OK', 'SET 1 MB');
  check((await c.strLen('big')) === BIG_LEN, 'STRLEN 1 MB');
  check((await c.get('big')) === v, 'GET 1 MB');
}

run(async (fail) => {
  const options = { socket: { port: Number(process.argv[2]) } };
  if (process.argv[3] === 'RESP2') options.RESP = 2;
  const c = createClient(options);
  c.on('error', fail);
  await c.connect();
  for (const step of [strings, keys, pipeline, scan, errors, big]) await step(c);
  await c.close();
  console.log('node-redis ' + version + ' RESP' + (options.RESP || 3) + ': ok');
});
