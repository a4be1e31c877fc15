import { findCaddy, CADDY_EXAMPLE, renderCaddyExample, startCaddy } from './support/caddy-gateway';
import { describeGatewayContract } from './support/gateway-contract';

/**
 * Debian's caddy with the documented configuration (examples/gateways/Caddyfile): forward_auth asks
 * verify before every request to the app, and names the original method in X-Forwarded-Method as
 * Traefik does (the contract: tests/support/gateway-contract.ts). CI installs caddy (.ci/run); without it,
 * and outside CI, the file is skipped with a message.
 */

const caddy = findCaddy();
const describeWithCaddy = caddy || process.env.CI ? describe : describe.skip;
if (!caddy && !process.env.CI) console.warn('caddy-gateway.test: no caddy installed (apt-get install caddy); skipped');

describeWithCaddy('Caddy forward_auth in front of an app (examples/gateways/Caddyfile)', () => {
  describeGatewayContract({
    exampleFile: CADDY_EXAMPLE,
    start(addresses) {
      if (!caddy) throw new Error('CI must install caddy (.ci/run): apt-get install caddy');
      return startCaddy(caddy, renderCaddyExample(addresses));
    },
  });
});
