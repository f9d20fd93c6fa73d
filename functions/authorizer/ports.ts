import type { Principal } from '../shared/domain/principal';

/** Verifies a bearer token and says who holds it; throws on any bad token. */
export type VerifyToken = (token: string) => Promise<Principal>;
