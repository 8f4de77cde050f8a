/**
 * The Worker's entry: builds the app from the bindings on the first request of an isolate and
 * answers every request with it. workerd treats each export of this module as a handler, so it
 * exports nothing but the default (the routes live in app.ts).
 */
import type { ExecutionContext, Hono } from 'hono';
import { createApp, type AppEnv } from './app.js';
import { ConfigError, loadConfig, type WorkerConfig, type WorkerEnv } from './config.js';

let built: { env: WorkerEnv; app: Hono<AppEnv> } | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    if (built?.env !== env) {
      let config: WorkerConfig;
      try {
        config = loadConfig(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // The operator reads the reason in the Worker's logs; clients learn nothing about the setup.
        console.error(`hono-worker-example: ${error.message}`);
        return Response.json({ error: 'server_misconfigured' }, { status: 500 });
      }
      built = { env, app: createApp(config) };
    }
    return built.app.fetch(request, env, ctx);
  },
};

