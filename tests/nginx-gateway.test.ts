import { describeGateway } from './support/gateway-contract';
import { findNginx, NGINX_EXAMPLE, renderNginxExample, startNginx } from './support/nginx-gateway';

/**
 * Debian's nginx with the documented configuration (examples/gateways/nginx.conf): auth_request asks
 * verify before every request to the app (the contract: tests/support/gateway-contract.ts).
 */
describeGateway('nginx auth_request in front of an app (examples/gateways/nginx.conf)', findNginx(), 'apt-get install nginx-light', {
  exampleFile: NGINX_EXAMPLE,
  start: (nginx, addresses) => startNginx(nginx, renderNginxExample(addresses), addresses.listenPort),
});
