// MathJax 3 configuration for the whole site.
//
// Markdown pages: pymdownx.arithmatex (generic mode) wraps math in elements
// of class "arithmatex" using \( \) and \[ \] delimiters.
// Notebook pages: mkdocs-jupyter renders cells inside ".jupyter-wrapper" and
// keeps the author's $...$ and $$...$$, so dollars are accepted there too.
// How the two class options work together: an element whose class matches
// ignoreHtmlClass is skipped with everything inside it, unless it (or a
// descendant) matches processHtmlClass; elements without a class inherit the
// state of their parent. So Material's own elements (all classed) are skipped,
// Markdown cells (".jp-RenderedMarkdown") and LaTeX outputs are typeset with
// their plain <p>/<li>/<td> children, and code outputs (".jp-OutputArea-output")
// stay untouched: a "$" in prose, code or printed output never turns into math.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: "[^ ]+",
    processHtmlClass: "arithmatex|jupyter-wrapper|jp-RenderedMarkdown|jp-RenderedLatex"
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
