import { onMounted, ref } from 'vue';
import { ApiError, departmentNames } from './api';
import { problemSentence } from './format';

/**
 * Runs a request for a screen: `busy` while it runs, `problem` as a sentence when refused. Returns
 * the answer, or undefined when it was refused.
 */
export function useAction() {
  const busy = ref(false);
  const problem = ref('');
  /** `sent`: what the request named, so a problem can say which notice it concerns. */
  async function run<T>(work: () => Promise<T>, sent: { noticeNos?: readonly string[] } = {}): Promise<T | undefined> {
    busy.value = true;
    problem.value = '';
    try {
      return await work();
    } catch (e) {
      problem.value = e instanceof ApiError ? problemSentence(e.problem, sent) : String(e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, problem, run };
}

/** Department names by id, for "公安局 (D01)". */
export function useDepartmentNames() {
  const names = ref(new Map<string, string>());
  onMounted(async () => {
    names.value = await departmentNames();
  });
  const deptName = (id: string | undefined) => {
    if (!id) return '—';
    const name = names.value.get(id);
    return name ? `${name} (${id})` : id;
  };
  return { names, deptName };
}
