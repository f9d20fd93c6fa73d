import { CreateFeeItem, Department, FeeItemsQuery, NewFeeItemVersion, RetireFeeItem } from '../../schemas/catalog';
import { httpHandler } from '../shared/http';
import { parseWith } from '../shared/validate';
import { Catalog } from './catalog';
import { DynamoCatalogStore } from './store';

const catalog = new Catalog(new DynamoCatalogStore());

export const handler = httpHandler('catalog', {
  'POST /v1/departments': async (req) => ({ status: 201, body: await catalog.createDepartment(parseWith(Department, req.body)) }),
  'GET /v1/departments': async () => ({ status: 200, body: { items: await catalog.listDepartments() } }),
  'POST /v1/fee-items': async (req) => ({ status: 201, body: await catalog.createFeeItem(parseWith(CreateFeeItem, req.body)) }),
  'GET /v1/fee-items': async (req) => {
    const q = parseWith(FeeItemsQuery, req.query);
    return { status: 200, body: { items: await catalog.inForce(q.asOf, q.department), nextCursor: null } };
  },
  'GET /v1/fee-items/{code}': async (req) => ({ status: 200, body: await catalog.history(req.params.code!) }),
  'PUT /v1/fee-items/{code}': async (req) => ({ status: 200, body: await catalog.publishVersion(req.params.code!, parseWith(NewFeeItemVersion, req.body)) }),
  'POST /v1/fee-items/{code}/retire': async (req) => ({
    status: 200,
    body: await catalog.retire(req.params.code!, parseWith(RetireFeeItem, req.body).effectiveTo),
  }),
});
