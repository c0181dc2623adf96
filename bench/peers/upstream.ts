/**
 * The API behind a gateway in the gateway phase: node:http, keep-alive, a short JSON answer for any
 * path, so what is measured is the gateway in front of it, not the API.
 *
 * Env: PORT.
 */
import http from 'node:http';

const body = JSON.stringify({ items: [{ id: 1, name: 'report' }] });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
