// The client-matrix checks (tests/clients/README.md) run with ioredis and its defaults (it
// tries `HELLO 3` first and falls back to RESP2 when the server refuses it).
//
// Usage: node matrix_ioredis.js PORT. Prints one result line; exits non-zero on the first failure.
'use strict';

const Redis = require('ioredis');
const { ReplyError } = require('ioredis');
const { version } = require('ioredis/package.json');
const { BIG_LEN, bigValue, check, sameArray, run } = require('./common');

async function strings(c) {
  check((await c.set('s:k', 'v1')) === 'OK', 'SET');
  check((await c.get('s:k')) === 'v1', 'GET');
  check((await c.set('s:n', '41')) === 'OK' && (await c.incr('s:n')) === 42, 'INCR');
  check((await c.mset({ 's:a': '1', 's:b': '2' })) === 'OK', 'MSET');
  check(sameArray(await c.mget('s:a', 's:b', 's:missing'), ['1', '2', null]), 'MGET');
  check((await c.append('s:k', '23')) === 4 && (await c.get('s:k')) === 'v123', 'APPEND');
  check((await c.getrange('s:k', 1, 2)) === '12', 'GETRANGE');
}

async function keys(c) {
  check((await c.exists('s:k', 's:a', 'nokey')) === 2, 'EXISTS');
  check((await c.expire('s:k', 100)) === 1, 'EXPIRE');
  const ttl = await c.ttl('s:k');
  check(ttl >= 90 && ttl <= 100, 'TTL ' + ttl);
  check((await c.ttl('s:a')) === -1 && (await c.ttl('nokey')) === -2, 'TTL without expiry / missing');
  check((await c.type('s:a')) === 'string' && (await c.type('nokey')) === 'none', 'TYPE');
  check((await c.rename('s:a', 's:c')) === 'OK' && (await c.get('s:c')) === '1', 'RENAME');
  check((await c.exists('s:a')) === 0, 'RENAME removed the old name');
  check((await c.del('s:b', 's:c', 'nokey')) === 2, 'DEL');
}

async function pipeline(c) {
  const p = c.pipeline();
  for (let i = 0; i < 50; i++) p.set('p:' + i, 'v' + i);
  for (let i = 0; i < 50; i++) p.get('p:' + i);
  const replies = await p.exec(); // [[err, reply], ...]
  check(replies.length === 100, 'pipeline reply count ' + replies.length);
  check(replies.every(([err]) => err === null), 'pipeline error');
  check(replies.slice(0, 50).every(([, r]) => r === 'OK'), 'pipeline SET replies');
  check(replies.slice(50).every(([, r], i) => r === 'v' + i), 'pipeline GET replies');
}

async function scan(c) {
  const p = c.pipeline();
  for (let i = 0; i < 500; i++) p.set('scan:' + i, String(i));
  for (let i = 0; i < 50; i++) p.set('other:' + i, String(i));
  await p.exec();
  const want = Array.from({ length: 500 }, (_, i) => 'scan:' + i).sort();
  const seen = [];
  let cursor = '0';
  do {
    const [next, batch] = await c.scan(cursor, 'MATCH', 'scan:*', 'COUNT', 50);
    cursor = next;
    seen.push(...batch);
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
  check(err instanceof ReplyError, 'INCR on a non-integer did not reject with ReplyError: ' + err);
  check(err.message.includes('not an integer'), 'INCR error text ' + err.message);
  check((await c.ping()) === 'PONG', 'connection usable after an error reply');
}

async function big(c) {
  const v = bigValue();
  check((await c.set('big', v)) === 'OK', 'SET 1 MB');
  check((await c.strlen('big')) === BIG_LEN, 'STRLEN 1 MB');
  check((await c.get('big')) === v, 'GET 1 MB');
}

run(async (fail) => {
  const c = new Redis(Number(process.argv[2])); // connects at once; commands queue until ready
  c.on('error', fail);
  for (const step of [strings, keys, pipeline, scan, errors, big]) await step(c);
  await c.quit();
  console.log('ioredis ' + version + ': ok');
});
