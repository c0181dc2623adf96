/** The kinds of developer token, in the order the API's messages and the dashboard list them. */
import type { TokenType } from '../store/schema.js';

export type { TokenType };

export const TOKEN_TYPES = ['server', 'browser', 'oauth'] as const satisfies readonly TokenType[];
