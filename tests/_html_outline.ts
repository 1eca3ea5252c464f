/**
 * The structure of an HTML report, for golden files: the run report and
 * the compare page alike.
 * @module
 */

/**
 * An HTML report's structure, one element per line: every element, text and
 * attribute as rendered, except chart geometry (path data, tick positions),
 * the style sheet, the script and their hashes, which say how it looks, not
 * what it shows.
 */
export function htmlOutline(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, "<style>…</style>")
    .replace(/<script>[\s\S]*?<\/script>/, "<script>…</script>")
    .replace(/'sha256-[A-Za-z0-9+/=]+'/g, "'sha256-…'")
    .replace(/ (d|x|y|transform)="[^"]*"/g, "")
    .replace(/\n/g, "")
    .replace(
      /<(?!\/)(?!(?:a|b|span|code|text|pre|td|th|button|dd|dt|li)[\s>])/g,
      "\n<",
    )
    .trimStart() + "\n";
}
