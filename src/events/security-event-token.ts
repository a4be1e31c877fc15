import { SignJWT } from 'jose';
import { EVENT_SIGNING_ALG, type EventSigningKey } from './event-signing-key';
import type { Initiator as InitiatingEntity, SessionEndReason } from '../sessions/session';

/**
 * One Security Event Token (RFC 8417) saying that one session ended: the OpenID Shared Signals CAEP
 * `session-revoked` event, its subject a complex identifier of user and session (RFC 9493). docs/API.md
 * shows the exact token.
 */

export const SESSION_REVOKED_EVENT = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const SET_TYPE = 'secevent+jwt';

export interface SessionRevokedEvent {
  /** Unique per (session, receiver), and the same on every delivery of that event: receivers de-duplicate on it. */
  jti: string;
  userId: string;
  sessionId: string;
  reason: SessionEndReason;
  initiatedBy: InitiatingEntity;
  /** When the session ended. */
  endedAt: Date;
}

export interface SetSigning {
  key: EventSigningKey;
  issuer: string;
}

export function signSessionRevokedSet(event: SessionRevokedEvent, audience: string, { key, issuer }: SetSigning, now: Date): Promise<string> {
  return new SignJWT({
    sub_id: {
      format: 'complex',
      user: { format: 'opaque', id: event.userId },
      session: { format: 'opaque', id: event.sessionId },
    },
    events: {
      [SESSION_REVOKED_EVENT]: {
        event_timestamp: Math.floor(event.endedAt.getTime() / 1000),
        initiating_entity: event.initiatedBy,
        reason_admin: { en: event.reason },
      },
    },
  })
    .setProtectedHeader({ alg: EVENT_SIGNING_ALG, typ: SET_TYPE, kid: key.kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setJti(event.jti)
    .sign(key.privateKey);
}
