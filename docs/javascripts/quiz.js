// Self-check quizzes (the questions are marked up by hooks/quizzes.py).
//
// Choice questions: the task list under the question becomes radio buttons
// (one right answer) or checkboxes (several); "Check" grades the choice and
// reveals the explanation. Free-text questions: once the model answer is
// open, "I got it" / "I did not" records the reader's own grade.
//
// Answers are kept in this browser's localStorage under one key and never
// sent anywhere. The plan page shows the progress per lesson and has the
// "Reset my progress" button.
(function () {
  "use strict";

  var STORE = "classroom-quiz-v1";

  function load() {
    try {
      var state = JSON.parse(window.localStorage.getItem(STORE) || "{}");
      return state && typeof state === "object" && state.pages ? state : { version: 1, pages: {} };
    } catch (error) {
      return { version: 1, pages: {} };
    }
  }

  function save(state) {
    try {
      window.localStorage.setItem(STORE, JSON.stringify(state));
    } catch (error) {
      // Private mode or storage full: the quiz still works for this visit.
    }
  }

  function record(page, id, answer) {
    var state = load();
    state.pages[page] = state.pages[page] || {};
    answer.at = new Date().toISOString();
    state.pages[page][id] = answer;
    save(state);
  }

  function saved(page, id) {
    var answers = load().pages[page] || {};
    return answers[id] || null;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function mark(details, result) {
    details.classList.remove("quiz--right", "quiz--wrong");
    var summary = details.querySelector(":scope > summary");
    var badge = summary && summary.querySelector(".quiz-badge");
    if (!result) {
      if (badge) badge.remove();
      return;
    }
    details.classList.add(result === "right" ? "quiz--right" : "quiz--wrong");
    if (summary && !badge) {
      badge = element("span", "quiz-badge");
      summary.appendChild(badge);
    }
    if (badge) badge.textContent = result === "right" ? "✓ got it" : "✗ not yet";
  }

  // ------------------------------------------------------------------
  // Choice questions
  // ------------------------------------------------------------------

  function setUpChoice(details) {
    var page = details.dataset.quizPage;
    var id = details.dataset.quizId;
    var multiple = details.dataset.quizKind === "multiple";
    var list = details.querySelector(":scope > ul.task-list");
    if (!list) return;
    var form = element("form", "quiz-choices");
    var correct = [];
    Array.prototype.forEach.call(list.querySelectorAll(":scope > li"), function (item, index) {
      var box = item.querySelector("input[type=checkbox]");
      correct.push(Boolean(box && box.checked));
      var control = item.querySelector(".task-list-control") || (box && box.parentNode === item ? box : null);
      if (control) control.remove();
      var label = element("label", "quiz-choice");
      var input = element("input");
      input.type = multiple ? "checkbox" : "radio";
      input.name = "quiz-" + id;
      input.value = String(index);
      var text = element("span", "quiz-choice__text");
      while (item.firstChild) text.appendChild(item.firstChild);
      label.appendChild(input);
      label.appendChild(text);
      form.appendChild(label);
    });
    var hint = multiple ? "Choose every right answer." : "Choose one answer.";
    form.insertBefore(element("p", "quiz-hint", hint), form.firstChild);
    var actions = element("p", "quiz-actions");
    var check = element("button", "md-button md-button--primary quiz-check", "Check");
    check.type = "submit";
    var feedback = element("span", "quiz-feedback");
    feedback.setAttribute("role", "status");
    actions.appendChild(check);
    actions.appendChild(feedback);
    form.appendChild(actions);

    var explanation = element("div", "quiz-explanation");
    var next = list.nextSibling;
    while (next) {
      var following = next.nextSibling;
      explanation.appendChild(next);
      next = following;
    }
    explanation.hidden = true;
    list.replaceWith(form);
    details.appendChild(explanation);

    function inputs() {
      return Array.prototype.slice.call(form.querySelectorAll("input"));
    }

    function show(chosen, result) {
      inputs().forEach(function (input, index) {
        input.checked = chosen.indexOf(index) >= 0;
        var label = input.parentNode;
        label.classList.toggle("quiz-choice--correct", correct[index]);
        label.classList.toggle("quiz-choice--wrong", input.checked && !correct[index]);
      });
      feedback.textContent = result === "right" ? "Right." : "Not quite: the right answer is marked in green.";
      explanation.hidden = false;
      mark(details, result);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = inputs().filter(function (input) { return input.checked; }).map(function (input) { return Number(input.value); });
      if (!chosen.length) {
        feedback.textContent = "Pick an answer first.";
        return;
      }
      var right = correct.every(function (isRight, index) { return isRight === (chosen.indexOf(index) >= 0); });
      var result = right ? "right" : "wrong";
      record(page, id, { result: result, chosen: chosen });
      show(chosen, result);
      updateScores();
    });

    var answer = saved(page, id);
    if (answer && Array.isArray(answer.chosen)) show(answer.chosen, answer.result);
  }

  // ------------------------------------------------------------------
  // Free-text questions
  // ------------------------------------------------------------------

  function setUpFree(details) {
    var page = details.dataset.quizPage;
    var id = details.dataset.quizId;
    var box = element("p", "quiz-selfgrade");
    box.appendChild(element("span", "quiz-selfgrade__prompt", "Compare with your own answer:"));
    var feedback = element("span", "quiz-feedback");
    feedback.setAttribute("role", "status");
    [["right", "I got it"], ["wrong", "I did not"]].forEach(function (pair) {
      var button = element("button", "md-button quiz-grade", pair[1]);
      button.type = "button";
      button.dataset.grade = pair[0];
      button.addEventListener("click", function () {
        record(page, id, { result: pair[0] });
        show(pair[0]);
        updateScores();
      });
      box.appendChild(button);
    });
    box.appendChild(feedback);
    details.appendChild(box);

    function show(result) {
      feedback.textContent = result === "right" ? "Marked: got it." : "Marked: not yet. Read it again tomorrow.";
      mark(details, result);
    }

    var answer = saved(page, id);
    if (answer) show(answer.result);
  }

  // ------------------------------------------------------------------
  // Scores on the page, progress on the plan
  // ------------------------------------------------------------------

  function count(page, ids) {
    var answers = load().pages[page] || {};
    var answered = 0;
    var right = 0;
    ids.forEach(function (id) {
      if (answers[id]) {
        answered += 1;
        if (answers[id].result === "right") right += 1;
      }
    });
    return { answered: answered, right: right };
  }

  function updateScores() {
    Array.prototype.forEach.call(document.querySelectorAll(".quiz-score"), function (score) {
      var page = score.dataset.quizPage;
      var section = [];
      var node = score.nextElementSibling;
      while (node && node.tagName !== "H2") {
        if (node.matches("details.quiz")) section.push(node.dataset.quizId);
        node = node.nextElementSibling;
      }
      var counts = count(page, section);
      score.textContent = counts.answered + " of " + section.length + " answered, " + counts.right +
        " right. Your answers stay in this browser; the plan page shows your progress.";
    });
    Array.prototype.forEach.call(document.querySelectorAll(".quiz-progress tr[data-quiz-page]"), function (row) {
      var ids = JSON.parse(row.dataset.quizIds || "[]");
      var counts = count(row.dataset.quizPage, ids);
      row.querySelector(".quiz-answered").textContent = String(counts.answered);
      row.querySelector(".quiz-right").textContent = String(counts.right);
      row.querySelector("progress").value = counts.answered;
    });
  }

  function setUpProgress(container) {
    var button = container.querySelector(".quiz-reset");
    var status = container.querySelector(".quiz-status");
    if (!button || button.dataset.ready) return;
    button.dataset.ready = "1";
    button.addEventListener("click", function () {
      if (!window.confirm("Forget every answer you gave to the self-checks on this site?")) return;
      try {
        window.localStorage.removeItem(STORE);
      } catch (error) {
        // nothing stored
      }
      updateScores();
      if (status) status.textContent = "Progress reset: every self-check is unanswered again.";
    });
  }

  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll("details.quiz:not([data-quiz-ready])"), function (details) {
      details.dataset.quizReady = "1";
      if (details.dataset.quizKind === "free") setUpFree(details);
      else setUpChoice(details);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".quiz-progress"), setUpProgress);
    updateScores();
  }

  // Instant loading swaps pages without a full reload.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
