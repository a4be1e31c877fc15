import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `contents` to `file` (owner-only, its folder made if missing) unless the file exists by then. It is
 * written whole under a name of its own and then linked into place; a link fails if the file exists, so a
 * reader never sees half a file, and of several processes starting at once the first one's file is the one
 * all of them keep. Used for the development keys kept in the git-ignored `.keys/` folder.
 */
export function writeFileOnce(file: string, contents: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomUUID()}`;
  writeFileSync(draft, contents, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}
