import { runContractSuite } from '../src/index.js';

runContractSuite({ app: 'hono-example' });
