import { describeGatewayContract } from './support/gateway-contract';
import { findNginx, NGINX_EXAMPLE, renderNginxExample, startNginx } from './support/nginx-gateway';

/**
 * Debian's nginx with the documented configuration (examples/gateways/nginx.conf): auth_request asks
 * verify before every request to the app (the contract: tests/support/gateway-contract.ts). CI installs
 * nginx (.ci/run); without it, and outside CI, the file is skipped with a message.
 */

const nginx = findNginx();
const describeWithNginx = nginx || process.env.CI ? describe : describe.skip;
if (!nginx && !process.env.CI) console.warn('nginx-gateway.test: no nginx installed (apt-get install nginx-light); skipped');

describeWithNginx('nginx auth_request in front of an app (examples/gateways/nginx.conf)', () => {
  describeGatewayContract({
    exampleFile: NGINX_EXAMPLE,
    start(addresses) {
      if (!nginx) throw new Error('CI must install nginx (.ci/run): apt-get install nginx-light');
      return startNginx(nginx, renderNginxExample(addresses));
    },
  });
});
