/** What a signed-in non-admin sees: why, and who can help. No token data is ever requested. */
import type { User } from '../api';

export function AdminRequired({ user }: { user: User }) {
  const reasons: string[] = [];
  if (user.role !== 'Admin') reasons.push(`your role is ${user.role}`);
  if (!user.seated) reasons.push('you have no licence seat');
  if (!user.active) reasons.push('your account is inactive');
  return (
    <main id="main" class="page narrow">
      <h1>API Token Management</h1>
      <div class="notice-box">
        <h2>This page needs the Admin role</h2>
        <p>
          Only active, seated users with the Admin role can see and manage API tokens, and {reasons.join(' and ')}. Ask a site admin if you need a token for an
          integration.
        </p>
      </div>
    </main>
  );
}
