import "server-only";

import http from "node:http";

/** A client-sent header of this name is overwritten, never trusted. */
export const PEER_ADDRESS_HEADER = "x-valet-peer-address";

/**
 * Next.js gives route handlers no socket, and keeps a client's own X-Forwarded-For when there is no
 * proxy in front. So every request the HTTP server hands out is stamped here with its TCP peer's
 * address (overwriting any header of that name a client sent): with TRUSTED_PROXY_HOPS=0 that is
 * the client, whatever it claims.
 */
export function stampPeerAddress(): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with Reflect.apply and the server as `this`
  const emit = http.Server.prototype.emit;
  if ((emit as { valetPeer?: boolean }).valetPeer) return;
  const stamped = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
  (stamped as { valetPeer?: boolean }).valetPeer = true;
  http.Server.prototype.emit = stamped;
}
