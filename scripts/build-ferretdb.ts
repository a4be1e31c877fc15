/** `npm run db:build`: builds the embedded FerretDB ahead of time (npm start and npm test also do it on first use). */
import { ensureFerretdbBinary } from '../src/dev-database/ferretdb-build';

ensureFerretdbBinary()
  .then((binary) => console.log(`FerretDB is ready: ${binary}`))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
