/**
 * The version `mrl --version` prints: the package's (deno.json, package.json
 * of the npm build; a test checks they agree).
 *
 * @module
 */

/** The version of @mrl/core this `mrl` belongs to. */
export const VERSION = "0.1.0";
