/**
 * Test helper: a load-worker entry serving only the `uow` target, so tests
 * can run it through the real engine before (and independent of) its
 * registration in `src/components/mod.ts`.
 * @module
 */
import { serveWorker } from "../../../engine/mod.ts";
import { uowTarget } from "../ops.ts";

serveWorker({ [uowTarget.name]: uowTarget });
