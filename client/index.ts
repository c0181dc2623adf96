export { signServerToken, userPart, type SignOptions, type SignatureFormat } from './sign.js';
export { GatehouseClient, GatehouseError, asArray, type ClientCredential, type ClientOptions, type JsonDoc } from './client.js';
