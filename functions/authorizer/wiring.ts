import { perConfiguration } from '../shared/config';
import { TokenVerifier } from './adapters/tokens';

/**
 * The token verifier for this process's configuration, rebuilt only when the configuration is
 * reloaded (the local stack and tests do; a Lambda container never does).
 */
export const tokenVerifier = perConfiguration((c) => new TokenVerifier({ ...c.auth, localKeyDir: c.localKeyDir }));
