/** The dashboard's stylesheet, shared by the live page and report.html. */
export const PAGE_CSS = `
:root { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #222; background: #fafafa; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 10px 20px; background: #fff; border-bottom: 1px solid #ddd; position: sticky; top: 0; z-index: 10; }
header h1 { font-size: 18px; margin: 0; }
#connection { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #eee; }
#connection[data-state=live] { background: #d9f2dd; color: #17612a; }
#connection[data-state=lost] { background: #fde2e1; color: #8a1c14; }
#status { display: flex; flex-direction: column; gap: 2px; flex: 1; }
.run-status { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; font-size: 14px; }
.stat small { color: #777; }
.stat.warn { color: #8a1c14; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; padding: 16px 20px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 10px 14px; min-width: 0; }
section h2 { font-size: 15px; margin: 0 0 8px; }
.wide { grid-column: 1 / -1; }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); } }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; font-size: 13px; margin-bottom: 6px; }
.toggles { display: flex; flex-wrap: wrap; gap: 4px; }
.toggle { border-left: 4px solid var(--colour); padding: 1px 6px; background: #f4f4f4; border-radius: 3px; cursor: pointer; }
figure.chart { margin: 0 0 8px; }
figure.chart figcaption { font-size: 13px; color: #555; }
#metrics figure.chart { display: inline-block; width: calc(50% - 8px); margin-right: 8px; vertical-align: top; }
.samples { margin-bottom: 8px; }
.sample-slider { flex: 1; min-width: 160px; }
.sample-images { display: flex; flex-wrap: wrap; gap: 4px; }
.sample-group { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; width: 100%; border-top: 1px solid #eee; padding-top: 4px; }
.sample-label { font-size: 12px; color: #555; width: 100%; }
.sample-images img { max-width: 100%; max-height: 85vh; object-fit: contain; image-rendering: pixelated; border: 1px solid #ddd; }
table.params { border-collapse: collapse; font-size: 13px; width: 100%; }
table.params th, table.params td { text-align: left; padding: 2px 8px; border-bottom: 1px solid #f0f0f0; }
td.changed, span.changed { background: #fff3c4; font-weight: 600; }
.note, .empty { font-size: 13px; color: #666; }
.domain h4 { margin: 6px 0 2px; font-size: 14px; }
.domain .path { font-size: 12px; color: #777; word-break: break-all; }
ul.rejected { font-size: 13px; margin: 4px 0; padding-left: 18px; }
.drop { display: block; border: 2px dashed #bbb; border-radius: 6px; padding: 18px; text-align: center; color: #666; cursor: pointer; font-size: 14px; }
.drop.over { border-color: #1f77b4; background: #eef5fb; }
.drop input { display: block; margin: 8px auto 0; }
.translate-status { font-size: 13px; color: #444; }
.translate-result { display: flex; gap: 12px; flex-wrap: wrap; }
.translate-result figure { margin: 0; }
.translate-result canvas { width: 192px; image-rendering: pixelated; border: 1px solid #ddd; }
.translate-result figcaption { font-size: 12px; color: #555; }
`;
