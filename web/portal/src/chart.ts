/**
 * ECharts, only the parts the open-data pages use (bar chart, grid, tooltip, aria, SVG renderer),
 * so the chart code stays in the dataset page's own chunk and small.
 */
import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

export interface Bar {
  label: string;
  /** null: the cell is suppressed (shown as such, never as zero). */
  value: number | null;
  text: string;
}

/**
 * Horizontal bars (long Chinese labels fit a phone's width). A suppressed cell gets a grey stub of
 * its own series labelled with the word for suppressed, so it can never be read as a zero.
 */
export function barChart(el: HTMLElement, bars: Bar[], names: { measure: string; suppressed: string }): ECharts {
  const chart = init(el, undefined, { renderer: 'svg' });
  const max = Math.max(1, ...bars.map((b) => b.value ?? 0));
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    grid: { left: 8, right: 72, top: 28, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: '#323233' } },
    tooltip: { trigger: 'item', formatter: (p: { dataIndex: number }) => `${bars[p.dataIndex]!.label}<br>${bars[p.dataIndex]!.text}` },
    xAxis: { type: 'value', axisLabel: { color: '#4a4a4a' } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: bars.map((b) => b.label),
      axisLabel: { color: '#323233', width: 120, overflow: 'truncate' },
    },
    series: [
      {
        name: names.measure,
        type: 'bar',
        stack: 'one',
        itemStyle: { color: '#1465c0' },
        label: { show: true, position: 'right', color: '#323233', formatter: (p: { dataIndex: number }) => (bars[p.dataIndex]!.value === null ? '' : bars[p.dataIndex]!.text) },
        data: bars.map((b) => b.value ?? '-'),
      },
      {
        name: names.suppressed,
        type: 'bar',
        stack: 'one',
        itemStyle: { color: '#c8c9cc', decal: { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: -Math.PI / 4 } },
        label: { show: true, position: 'right', color: '#4a4a4a', formatter: () => names.suppressed },
        data: bars.map((b) => (b.value === null ? max * 0.06 : '-')),
      },
    ],
  });
  return chart;
}
