/**
 * The user document both peers return: the same JSON shape and size as Gatehouse's
 * `GET users/current?dream.out.format=json`, so no peer wins by sending less.
 */
export interface PeerUser {
  id: number;
  username: string;
  email: string;
  fullname: string;
  status: string;
  seat: boolean;
  role: string;
  createdAt: number;
}

export const SITE_URL = 'http://gatehouse.bench';

/** The bench's one signed-in user, as Gatehouse's bootstrap admin looks. */
export const ADMIN: PeerUser = {
  id: 1,
  username: 'admin',
  email: '',
  fullname: 'Administrator',
  status: 'active',
  seat: true,
  role: 'Admin',
  createdAt: Date.UTC(2026, 0, 1),
};

export function userDocument(u: PeerUser) {
  return {
    '@id': String(u.id),
    '@href': `${SITE_URL}/@api/deki/users/${u.id}`,
    '@anonymous': 'false',
    'date.created': new Date(u.createdAt).toUTCString(),
    email: u.email,
    fullname: u.fullname,
    'license.seat': { '@owner': String(u.id === 1), '#text': String(u.seat) },
    nick: u.username,
    'permissions.user': { role: u.role },
    status: u.status,
    username: u.username,
  };
}
