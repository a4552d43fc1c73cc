// One question and its answer on the page, filled in event by event as the turn streams,
// or all at once from a stored answer.

import { resultTable } from "./table.js";

export const CHART_TYPES = ["bar", "line", "area", "pie", "donut", "scatter", "kpi", "table"];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function darkTheme() {
  return document.documentElement.dataset.theme === "dark";
}

export class TurnView {
  // hooks: { ask(question), changeChart(view, type), name }
  constructor(question, hooks) {
    this.hooks = hooks;
    this.node = element("li", "turn");
    this.node.append(element("p", "question", question));
    this.progress = element("p", "progress");
    this.progress.setAttribute("role", "status");
    this.text = element("p", "answer-text");
    this.reading = element("p", "reading");
    this.options = element("div", "options");
    this.chartBox = element("section", "chart-box");
    this.tableBox = element("div", "table-box");
    this.sqlBox = element("div", "sql-box");
    this.insightsBox = element("div", "insights-box");
    this.node.append(this.progress, this.text, this.reading, this.options,
      this.chartBox, this.tableBox, this.sqlBox, this.insightsBox);
    this.seen = new Set();
    this.data = null;
  }

  // A streamed event; returns the answer when the turn is done.
  apply(event) {
    this.seen.add(event.type);
    switch (event.type) {
      case "progress": this.progress.textContent = `${event.label}…`; break;
      case "text": this.text.textContent += event.text; break;
      case "sql": this.setSql(event.sql, event.reason); break;
      case "data": this.setData(event); break;
      case "chart": this.setChart(event.chart); break;
      case "insights": this.setInsights(event.insights); break;
      case "clarification": this.setOptions(event.options); break;
      case "error": this.setError(event.message); break;
      case "done": this.finish(event.answer); return event.answer;
      default: break;
    }
    return null;
  }

  // A whole answer: the stored one, or what fills in anything the stream did not carry.
  finish(answer) {
    this.progress.textContent = "";
    this.progress.hidden = true;
    if (!this.seen.has("text")) this.text.textContent = answer.text;
    if (!this.seen.has("sql") && answer.sql) this.setSql(answer.sql, answer.reason);
    if (!this.seen.has("data") && answer.columns.length) this.setData(answer);
    if (!this.seen.has("chart") && answer.chart) this.setChart(answer.chart);
    if (!this.seen.has("insights")) this.setInsights(answer.insights);
    if (!this.seen.has("clarification") && answer.options.length) this.setOptions(answer.options);
    if (answer.error) this.node.classList.add("failed");
  }

  setSql(sql, reason) {
    if (reason) this.reading.textContent = `How I read it: ${reason.replaceAll(" -> ", " → ")}`;
    const details = element("details", "sql");
    const summary = element("summary", "", "SQL");
    const pre = element("pre");
    const code = element("code", "", sql);
    pre.append(code);
    const copy = element("button", "quiet", "Copy SQL");
    copy.type = "button";
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(sql);
        copy.textContent = "Copied";
      } catch {
        // Clipboard refused (an insecure origin): select the text for a manual copy.
        getSelection().selectAllChildren(code);
        copy.textContent = "Selected: press Ctrl+C";
      }
    });
    details.append(summary, pre, copy);
    this.sqlBox.replaceChildren(details);
  }

  setData(data) {
    this.data = data;
    this.tableBox.replaceChildren(resultTable(data, `${this.hooks.name || "result"}.csv`));
  }

  // The chart and its type picker; a redrawn chart keeps the picker (and its focus).
  async setChart(chart) {
    this.chart = chart;
    if (!this.chartTarget) {
      const tools = element("div", "chart-tools");
      const label = element("label", "", "Chart type");
      const select = element("select", "chart-type");
      const id = `chart-type-${Math.random().toString(36).slice(2)}`;
      label.htmlFor = id;
      select.id = id;
      for (const type of CHART_TYPES) {
        const option = element("option", "", type);
        option.value = type;
        select.append(option);
      }
      select.addEventListener("change", () => this.hooks.changeChart(this, select.value));
      tools.append(label, select);
      this.chartTarget = element("div", "chart");
      this.chartTarget.setAttribute("role", "figure");
      this.chartSelect = select;
      this.chartBox.replaceChildren(tools, this.chartTarget);
    }
    this.chartSelect.value = chart.type;
    this.chartTarget.setAttribute("aria-label", chart.title || `${chart.type} chart`);
    await this.draw();
  }

  // Draws the chart into its box again (a new chart, or the other theme's colours).
  async draw() {
    const { chart, chartTarget: target } = this;
    if (!chart || chart.type === "table") return target && target.replaceChildren();
    const canvas = element("div");
    target.replaceChildren(canvas);
    try {
      // A chart wider than the screen (a phone) is fitted to it instead.
      const spec = { ...chart.spec };
      if (typeof spec.width === "number" && spec.width + 120 > target.clientWidth) {
        spec.width = "container";
      }
      await window.vegaEmbed(canvas, spec, {
        actions: false,
        renderer: "svg",
        ast: true, // vega's interpreter, not eval: the page's policy forbids eval
        theme: darkTheme() ? "dark" : undefined,
        tooltip: { theme: darkTheme() ? "dark" : "light" },
      });
    } catch (error) {
      target.textContent = `The chart could not be drawn: ${error.message}`;
    }
  }

  setInsights(insights) {
    if (!insights.length) return this.insightsBox.replaceChildren();
    const list = element("ul", "insights");
    for (const insight of insights) list.append(element("li", "", insight));
    this.insightsBox.replaceChildren(element("h3", "skip", "Insights"), list);
  }

  setOptions(options) {
    const buttons = options.map((option) => {
      const button = element("button", "", option.label);
      button.type = "button";
      button.title = option.question;
      button.addEventListener("click", () => this.hooks.ask(option.question));
      return button;
    });
    this.options.replaceChildren(...buttons);
  }

  setError(message) {
    this.text.textContent = message;
    this.seen.add("text");
    this.node.classList.add("failed");
  }

  // Only the newest result can be redrawn (the server redraws the conversation's last one).
  retire() {
    if (this.chartSelect) this.chartSelect.disabled = true;
  }
}
