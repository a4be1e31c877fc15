import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from './config';

/**
 * The configuration of a process started from this checkout (the server, the operator command): the
 * environment, with a local .env (git-ignored) filling in what it leaves unset. An invalid value ends
 * the process with one line per problem.
 */
export function readProcessConfig(): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
