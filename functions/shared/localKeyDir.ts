import { join } from 'node:path';

/**
 * Directory of the local stack's key files (auth and receipt signing); never used when deployed.
 * A module of its own so that the signer reaches it without loading the token verifier (and jose).
 */
export const localKeyDir = (): string => process.env.LOCAL_KEY_DIR ?? join(process.cwd(), '.data', 'keys');
