/**
 * What a hub that speaks the client's protocol adds to itself, whichever the hub (in-process or
 * Redis): `serve` (Node), `fetch` (web) and `ticket`, each over the hub's core, its wire and its secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubCore } from '../core/core.js';
import type { FetchOptions, ServeOptions, ServeResult, Serving, TicketOptions } from '../types.js';
import { fetchHub } from './fetch.js';
import type { Wire } from './framing.js';
import { serveHub } from './serve.js';
import { makeTicket } from './ticket.js';

/** A hub class: anything made with `new` that has a core of serialized messages. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's base takes any arguments
type HubClass = abstract new (...args: any[]) => { readonly core: HubCore<string> };

/**
 * @internal `Base` with the protocol's methods; an instance learns its wire and secret from
 * {@link speak} right after it is made.
 */
export function speaking<B extends HubClass>(Base: B) {
  abstract class Speaking extends Base implements Serving {
    #wire: Wire | undefined;
    #secret: Uint8Array | undefined;

    /** Sets the wire and the secret this hub speaks with (once, right after it is made). */
    speak(wire: Wire, secret: Uint8Array | undefined): this {
      this.#wire = wire;
      this.#secret = secret;
      return this;
    }

    serve(req: IncomingMessage, res: ServerResponse, options?: ServeOptions): Promise<ServeResult> {
      return serveHub(this.core, this.#wire!, this.#secret, req, res, options);
    }

    fetch(request: Request, options?: FetchOptions): Promise<Response> {
      return fetchHub(this.core, this.#wire!, this.#secret, request, options);
    }

    ticket(options: TicketOptions): string {
      return makeTicket(this.#secret, options, 'hub.ticket');
    }
  }
  return Speaking;
}
