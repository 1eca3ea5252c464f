/**
 * Entry module of every load worker thread: serves the engine's worker
 * protocol with the registered targets.
 * @module
 */
import { TARGETS } from "./components/mod.ts";
import { serveWorker } from "./engine/mod.ts";

serveWorker(TARGETS);
