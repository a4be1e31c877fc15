export { createVerifier, type Verifier, type VerifierOptions, type Verdict } from './verifier';
export { requireSession, sessionOf, type RelyingAuth } from './express';
