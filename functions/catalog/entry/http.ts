import { CreateFeeItem, Department, FeeItemsQuery, NewFeeItemVersion, RetireFeeItem } from '../../../schemas/catalog';
import { decodeCursor, encodeCursor, httpHandler, listCursors } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { catalogContext } from '../wiring';

const { catalog, cursors } = catalogContext();

export const handler = httpHandler('catalog', {
  'POST /v1/departments': async (req) => ({
    status: 201,
    body: await catalog.createDepartment(parseWith(Department, req.body)),
  }),
  'GET /v1/departments': async () => ({ status: 200, body: { items: await catalog.listDepartments() } }),
  'POST /v1/fee-items': async (req) => ({
    status: 201,
    body: await catalog.createFeeItem(parseWith(CreateFeeItem, req.body)),
  }),
  'GET /v1/fee-items': async (req) => {
    const q = parseWith(FeeItemsQuery, req.query);
    // The catalog is read whole (it is small); pages are cut from the code-sorted list so that
    // ?limit= and ?cursor= work here as on every other list (API.md "Lists").
    const page = listCursors(req, cursors);
    const after = decodeCursor(page.open(q.cursor))?.code;
    const all = await catalog.inForce(q.asOf, q.department);
    const rest = typeof after === 'string' ? all.filter((i) => i.code.localeCompare(after) > 0) : all;
    const items = rest.slice(0, q.limit);
    return {
      status: 200,
      body: {
        items,
        nextCursor: rest.length > items.length ? page.seal(encodeCursor({ code: items.at(-1)!.code })) : null,
      },
    };
  },
  'GET /v1/fee-items/{code}': async (req) => ({ status: 200, body: await catalog.history(req.params.code!) }),
  'PUT /v1/fee-items/{code}': async (req) => ({
    status: 200,
    body: await catalog.publishVersion(req.params.code!, parseWith(NewFeeItemVersion, req.body)),
  }),
  'POST /v1/fee-items/{code}/retire': async (req) => ({
    status: 200,
    body: await catalog.retire(req.params.code!, parseWith(RetireFeeItem, req.body).effectiveTo),
  }),
});
