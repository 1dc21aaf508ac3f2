// A one-connection metadata service for guest/selftest.sh. QEMU's user network runs it
// per TCP connection to 169.254.169.254:80 (-netdev user,guestfwd=...-cmd:...), with the
// connection on stdin/stdout: read one HTTP request, answer it, exit.
//   node selftest-metadata.mjs DIR
// GET /path -> DIR/path (404 when absent; a directory lists its entries, like Nova).
// POST /path -> body appended to DIR/posted/<path with / as _> (Nova's password POST).
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: selftest-metadata.mjs DIR');

let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', url = '/'] = (head[0] ?? '').split(' ');
  const lengthLine = head.find((l) => /^content-length:/i.test(l));
  const length = lengthLine ? Number(lengthLine.split(':')[1]) : 0;
  const body = buf.subarray(end + 4);
  if (body.length < length) return;
  process.stdin.pause();
  answer(method, decodeURIComponent(url.split('?')[0] ?? '/'), body.subarray(0, length));
});

function answer(method, url, body) {
  const path = normalize(url).replace(/^(\.\.(\/|$))+/, '').replace(/^\/+/, '');
  if (method === 'POST') {
    mkdirSync(join(dir, 'posted'), { recursive: true });
    appendFileSync(join(dir, 'posted', path.replace(/\//g, '_')), body);
    return reply(200, '');
  }
  const file = join(dir, path);
  try {
    const st = statSync(file);
    if (st.isDirectory()) return reply(200, readdirSync(file).map((e) => (statSync(join(file, e)).isDirectory() ? `${e}/` : e)).join('\n'));
    return reply(200, readFileSync(file));
  } catch {
    return reply(404, '404 Not Found\n');
  }
}

function reply(status, content) {
  const data = Buffer.from(content);
  const reason = status === 200 ? 'OK' : 'Not Found';
  process.stdout.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${data.length}\r\nConnection: close\r\n\r\n`);
  process.stdout.write(data, () => process.exit(0));
}
