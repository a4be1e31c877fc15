import { createMemorySessionRepository } from './support/memory-session-repository';
import { describeSessionRepositoryContract } from './support/session-repository-contract';

// The in-memory repository the rule tests use (session-core.test.ts) must keep the same contract as MongoDB's.
describeSessionRepositoryContract('in memory (for the rule tests)', async () => ({
  repository: createMemorySessionRepository(),
  close: async () => undefined,
}));
