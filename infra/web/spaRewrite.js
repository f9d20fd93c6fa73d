// CloudFront Function (cloudfront-js-2.0), viewer request, on the site's default behaviour; the local
// gateway runs this same file (infra/local/gateway.ts), so both origins route pages alike.
// The web apps route in the browser (history mode): a page address such as /r/{receiptNo} or
// /console/notices has no file behind it and is answered with its app's index.html. Addresses with
// a file extension (assets, release files) pass unchanged; /v1/* and /open-data/* never reach here
// (their own behaviours).
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') !== -1) return request;
  if (uri === '/console' || uri.indexOf('/console/') === 0) request.uri = '/console/index.html';
  else request.uri = '/index.html';
  return request;
}
