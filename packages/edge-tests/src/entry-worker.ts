/**
 * Entry of the Worker run by workerd: `GET /?runtime=...&jwks=...&backend=...` runs the suite and
 * answers the report as JSON. Everything happens inside the request, where Workers allow crypto
 * and fetch.
 */
import { parseOptions, runSuite } from './suite.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const args = [...params.entries()].flatMap(([name, value]) => [`--${name}`, value]);
    try {
      return Response.json(await runSuite(parseOptions(args)));
    } catch (error) {
      return Response.json({ crashed: String(error instanceof Error ? (error.stack ?? error.message) : error) }, { status: 500 });
    }
  },
};
