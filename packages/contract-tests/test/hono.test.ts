import { runContractSuite } from '../src/index.js';
import { runRefreshSuite } from '../src/index.js';

runContractSuite({ app: 'hono-example' });
runRefreshSuite({ app: 'hono-example' });
