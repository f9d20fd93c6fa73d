import { config } from '../shared/config';
import { TokenVerifier } from './adapters/tokens';

let verifier: { verifier: TokenVerifier; key: string } | undefined;

/**
 * The token verifier for this process's configuration. Rebuilt when the configuration that shapes
 * it changes (the local stack and tests reload it; a Lambda container never does).
 */
export function tokenVerifier(): TokenVerifier {
  const { auth, localKeyDir } = config();
  const key = JSON.stringify([auth, localKeyDir]);
  if (verifier?.key !== key) verifier = { key, verifier: new TokenVerifier({ ...auth, localKeyDir }) };
  return verifier.verifier;
}
