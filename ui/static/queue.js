// Run by gr.HTML's js_on_load (`element` is this notice). While the analysis waits in Gradio's
// queue, Gradio writes "queue: 2/3 | 4.1/38.0s" in a corner of the status area; this says it in
// words ("Waiting in line ...") and hides itself once the analysis runs or ends.
const SOURCE = "#iv-review-status .progress-text";
const QUEUED = /queue:\s*(\d+)\s*\/\s*(\d+)(?:\s*\|\s*([\d.]+)(?:\/([\d.]+))?s)?/;

function words(text) {
  const m = QUEUED.exec(text);
  if (!m) return "";
  const position = Number(m[1]);
  const before = position === 1 ? "the analysis that is running now"
                                : `the analysis running now and ${position - 1} waiting before yours`;
  const left = m[4] ? ` Expected in about ${Math.max(1, Math.round(Number(m[4]) - Number(m[3])))} s.` : "";
  return `Waiting in line: yours is number ${position} of ${m[2]} and starts after ${before}.${left}`;
}

function update() {
  const text = words(document.querySelector(SOURCE)?.innerText || "");
  if (text !== element.textContent) {
    element.textContent = text;
    element.dataset.queued = text ? "yes" : "no";
  }
}

element.setAttribute("role", "status");
new MutationObserver(update).observe(document.body, {subtree: true, childList: true, characterData: true});
