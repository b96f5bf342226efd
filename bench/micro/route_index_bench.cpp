// Does routing cost depend on how many routes exist? Matches the same request against indexes of 10, 1 000
// and 10 000 routes, spread two ways: many hosts (one route each) and one host with many paths. Goal (issue:
// gateway foundation): 10 000 routes route as fast as 10.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include "model/route.h"
#include "proxy/route_index.h"

namespace {

using wasmgate::proxy::MatchRequest;
using wasmgate::proxy::RouteIndex;

wasmgate::model::RoutePtr make_route(const std::string& id, const std::string& domain) {
  boost::json::object doc{
      {"id", id},
      {"name", id},
      {"frontend", {{"domains", boost::json::array{boost::json::value(domain)}}}},
      {"backend", {{"targets", boost::json::array{{{"hostname", "127.0.0.1"}, {"port", 9000}}}}}}};
  auto route = wasmgate::model::parse_route(doc);
  if (!route) throw std::runtime_error(route.error().message);
  return std::make_shared<const wasmgate::model::Route>(std::move(route).value());
}

RouteIndex build_many_hosts(int n) {
  std::vector<wasmgate::model::RoutePtr> routes;
  for (int i = 0; i < n; ++i)
    routes.push_back(make_route(fmt::format("r{}", i), fmt::format("host{}.oto.tools", i)));
  routes.push_back(make_route("target", "api.oto.tools/v1"));
  return RouteIndex(std::move(routes));
}

RouteIndex build_many_paths(int n) {
  std::vector<wasmgate::model::RoutePtr> routes;
  for (int i = 0; i < n; ++i) {
    routes.push_back(make_route(fmt::format("r{}", i), fmt::format("api.oto.tools/svc{}/items", i)));
  }
  routes.push_back(make_route("target", "api.oto.tools/v1"));
  return RouteIndex(std::move(routes));
}

void run(benchmark::State& state, const RouteIndex& index) {
  MatchRequest req{"GET", "api.oto.tools:8080", "/v1/users/42/orders", "", nullptr};
  for (auto _ : state) {
    auto m = index.match(req);
    if (!m || m->route->id != "target") state.SkipWithError("wrong route");
    benchmark::DoNotOptimize(m);
  }
}

void BM_MatchManyHosts(benchmark::State& state) {
  run(state, build_many_hosts(static_cast<int>(state.range(0))));
}
void BM_MatchManyPathsOneHost(benchmark::State& state) {
  run(state, build_many_paths(static_cast<int>(state.range(0))));
}

BENCHMARK(BM_MatchManyHosts)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_MatchManyPathsOneHost)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
