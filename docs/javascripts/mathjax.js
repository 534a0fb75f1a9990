// MathJax 3 configuration for the whole site.
//
// Markdown pages: pymdownx.arithmatex (generic mode) wraps math in elements
// of class "arithmatex" using \( \) and \[ \] delimiters.
// Notebook pages: mkdocs-jupyter renders cells inside ".jupyter-wrapper" and
// keeps the author's $...$ and $$...$$, so dollars are accepted there too.
// Everything outside those two classes is ignored, so a "$" in prose or code
// elsewhere never turns into math.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jupyter-wrapper|jp-RenderedMarkdown"
  }
};

// Instant loading swaps pages without a full reload: typeset each new page.
document$.subscribe(() => {
  if (!window.MathJax || !MathJax.startup || !MathJax.typesetPromise) {
    return;
  }
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
