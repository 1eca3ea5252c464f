/**
 * Validates JUnit XML against the JUnit XSD shipped as test data
 * (tests/fixtures/junit/junit.xsd), with libxml2 compiled to WebAssembly
 * (npm `libxml2-wasm`: no native code, nothing to install).
 * @module
 */
import { join } from "node:path";
import { XmlDocument, XsdValidator } from "libxml2-wasm";
import { ROOT } from "./_helpers.ts";

const XSD = Deno.readTextFileSync(
  join(ROOT, "tests/fixtures/junit/junit.xsd"),
);

/** Throws with libxml2's messages unless `xml` is valid against the XSD. */
export function assertValidJunit(xml: string): void {
  using xsd = XmlDocument.fromString(XSD);
  using validator = XsdValidator.fromDoc(xsd);
  using doc = XmlDocument.fromString(xml);
  validator.validate(doc);
}
