/**
 * Peer 1, "the way most teams build it": Express 5 with its defaults, `jsonwebtoken` to verify an
 * HS512 JWT with one app-wide secret, then one database query per request (better-sqlite3, WAL,
 * a prepared statement joining the token row to its user) so that a revoked token stops working.
 * This is the design Gatehouse must beat by 2× while keeping the same revocation guarantee.
 *
 * Env: PORT, PEER_DB (SQLite file, created and filled with PEER_TOKENS tokens), PEER_JWT_SECRET.
 * The bench mints the JWTs: `jti` = token id, `sub` = user id, aud/iss as Gatehouse's.
 */
import Database from 'better-sqlite3';
import express from 'express';
import jwt from 'jsonwebtoken';
import { ADMIN, SITE_URL, userDocument } from './user-document.js';

const secret = process.env.PEER_JWT_SECRET ?? '';
const tokens = Number(process.env.PEER_TOKENS ?? 1000);
if (!secret || !process.env.PEER_DB) throw new TypeError('PEER_JWT_SECRET and PEER_DB are required');

const db = new Database(process.env.PEER_DB);
db.pragma('journal_mode = WAL');
db.exec(`
  CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, email TEXT NOT NULL,
    fullname TEXT NOT NULL, status TEXT NOT NULL, seat INTEGER NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS api_tokens (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL, revoked_at INTEGER, created_at INTEGER NOT NULL);
`);
if (!db.prepare('SELECT 1 FROM users WHERE id = ?').get(ADMIN.id)) {
  db.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    ADMIN.id,
    ADMIN.username,
    ADMIN.email,
    ADMIN.fullname,
    ADMIN.status,
    1,
    ADMIN.role,
    ADMIN.createdAt,
  );
  const insert = db.prepare('INSERT INTO api_tokens (id, user_id, name, created_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= tokens; i++) insert.run(i, ADMIN.id, `token-${i}`, Date.now());
  })();
}

interface TokenUserRow {
  id: number;
  username: string;
  email: string;
  fullname: string;
  status: string;
  seat: number;
  role: string;
  created_at: number;
}
// Prepared once, as anyone using better-sqlite3 would.
const findTokenUser = db.prepare<[number], TokenUserRow>(
  'SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ? AND t.revoked_at IS NULL',
);

const app = express();
app.get('/health', (_req, res) => {
  res.json({ ok: true });
});
app.get('/@api/deki/users/current', (req, res) => {
  const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
  if (!m) {
    res.status(401).json({ message: 'missing bearer token' });
    return;
  }
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(m[1]!, secret, { algorithms: ['HS512'], audience: 'auth-service-Server', issuer: `${SITE_URL}/` }) as jwt.JwtPayload;
  } catch {
    res.status(403).json({ message: 'invalid json web token' });
    return;
  }
  const row = findTokenUser.get(Number(claims.jti));
  if (!row || row.status !== 'active') {
    res.status(403).json({ message: 'invalid json web token' });
    return;
  }
  res.json(
    userDocument({
      id: row.id,
      username: row.username,
      email: row.email,
      fullname: row.fullname,
      status: row.status,
      seat: row.seat === 1,
      role: row.role,
      createdAt: row.created_at,
    }),
  );
});

app.listen(Number(process.env.PORT ?? 8081), '127.0.0.1');
