import type { SessionEndListener } from '../sessions/session-events';
import type { Metrics } from './metrics';

/** Counts every ended session by reason, from the core's one event per session end (a logout of N counts N). */
export function countSessionEnds(metrics: Pick<Metrics, 'sessionRevocations'>): SessionEndListener {
  return ({ reason, sessionIds }) => metrics.sessionRevocations.inc({ reason }, sessionIds.length);
}
