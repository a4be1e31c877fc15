import { CADDY_EXAMPLE, findCaddy, renderCaddyExample, startCaddy } from './support/caddy-gateway';
import { describeGateway } from './support/gateway-contract';

/**
 * Debian's caddy with the documented configuration (examples/gateways/Caddyfile): forward_auth asks
 * verify before every request to the app, and names the original method in X-Forwarded-Method as
 * Traefik does (the contract: tests/support/gateway-contract.ts).
 */
describeGateway('Caddy forward_auth in front of an app (examples/gateways/Caddyfile)', findCaddy(), 'apt-get install caddy', {
  exampleFile: CADDY_EXAMPLE,
  start: (caddy, addresses) => startCaddy(caddy, renderCaddyExample(addresses), addresses.listenPort),
});
