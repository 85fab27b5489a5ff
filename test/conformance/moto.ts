// moto_server's start-up lives in test/support (the SQS tests and benchmarks use it too).
export { startMoto, type Moto } from "../support/moto.js";
