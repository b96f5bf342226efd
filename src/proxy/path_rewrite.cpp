#include "proxy/path_rewrite.h"

namespace wasmgate::proxy {

std::string_view strip_matched_prefix(std::string_view request_path, std::string_view matched_path) {
  std::size_t cut = matched_path.size();
  if (cut > 0 && matched_path.back() == '/') --cut;  // keep the separator with the remainder
  if (cut > request_path.size()) cut = request_path.size();  // exact match "/api/" served "/api"
  return request_path.substr(cut);
}

std::string join_root(std::string_view root, std::string_view rest) {
  std::string out;
  out.reserve(root.size() + rest.size() + 2);
  if (root.empty() || root.front() != '/') out.push_back('/');
  out.append(root);
  if (rest.empty()) return out;
  if (out.back() == '/') out.pop_back();
  if (rest.front() != '/') out.push_back('/');
  out.append(rest);
  return out;
}

SplitTarget split_target(std::string_view target) {
  SplitTarget out;
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) {
    out.path = target;
  } else {
    out.path = target.substr(0, q);
    out.query = target.substr(q + 1);
  }
  if (out.path.empty()) out.path = "/";
  return out;
}

TargetParts split_absolute_form(std::string_view target) {
  TargetParts out{{}, target};
  if (target.empty() || target.front() == '/') return out;
  const std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return out;
  const std::string_view rest = target.substr(scheme_end + 3);
  const std::size_t path_start = rest.find_first_of("/?");
  out.authority = rest.substr(0, path_start);
  if (const std::size_t at = out.authority.rfind('@'); at != std::string_view::npos) {
    out.authority.remove_prefix(at + 1);  // userinfo never names the host
  }
  out.origin = path_start == std::string_view::npos ? std::string_view("/") : rest.substr(path_start);
  return out;
}

}  // namespace wasmgate::proxy
