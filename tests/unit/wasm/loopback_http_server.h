// A tiny HTTP/1.1 server on 127.0.0.1:<ephemeral> for http_request tests, one thread, one request per
// connection, plain sockets. Routes:
//   /hello        200 "hello world", with two X-Test headers
//   /echo         200 "<METHOD> <target> <body>" (body read by Content-Length)
//   /status/404   404 "nope"
//   /big/<n>      200 with n bytes of 'b'
//   /chunked      200 "chunked body" in two chunks
//   /silent       reads the request and never answers (until the server stops)
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace wasmgate::wasm::testing {

class LoopbackHttpServer {
 public:
  LoopbackHttpServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 16);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackHttpServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
    for (int fd : held_) ::close(fd);
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stopping_) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++requests_;
      if (!handle(fd)) {
        held_.push_back(fd);  // /silent: keep it open, unanswered
        continue;
      }
      ::close(fd);
    }
  }

  static std::string read_request(int fd) {
    std::string data;
    char buffer[4096];
    std::size_t header_end = std::string::npos;
    std::size_t need = 0;
    for (;;) {
      if (header_end != std::string::npos && data.size() >= header_end + 4 + need) break;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        const auto cl = data.find("Content-Length: ");
        if (cl != std::string::npos && cl < header_end) need = std::stoul(data.substr(cl + 16));
      }
    }
    return data;
  }

  static void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  static std::string response(int status, const std::string& reason, const std::string& body,
                              const std::string& extra_headers = "") {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
           extra_headers + "\r\n" + body;
  }

  // False when the connection must be left unanswered.
  bool handle(int fd) {
    const std::string request = read_request(fd);
    const auto line_end = request.find("\r\n");
    const std::string line = request.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 + 1);
    const std::string method = line.substr(0, sp1);
    const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto header_end = request.find("\r\n\r\n");
    const std::string body = header_end == std::string::npos ? "" : request.substr(header_end + 4);
    if (target == "/hello") {
      send_all(fd,
               response(200, "OK", "hello world", "X-Test: a\r\nX-Test: b\r\nContent-Type: text/plain\r\n"));
    } else if (target.rfind("/echo", 0) == 0) {
      std::string seen_header;
      if (const auto h = request.find("X-Guest: "); h != std::string::npos) {
        seen_header = request.substr(h + 9, request.find("\r\n", h) - h - 9);
      }
      send_all(fd,
               response(200, "OK",
                        method + " " + target + " " + body + (seen_header.empty() ? "" : " " + seen_header)));
    } else if (target == "/status/404") {
      send_all(fd, response(404, "Not Found", "nope"));
    } else if (target.rfind("/big/", 0) == 0) {
      send_all(fd, response(200, "OK", std::string(std::stoul(target.substr(5)), 'b')));
    } else if (target == "/chunked") {
      send_all(fd,
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               "8\r\nchunked \r\n4\r\nbody\r\n0\r\n\r\n");
    } else if (target == "/silent") {
      return false;
    } else {
      send_all(fd, response(500, "Internal Server Error", "unknown route " + target));
    }
    return true;
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::vector<int> held_;
  std::thread thread_;
};

}  // namespace wasmgate::wasm::testing
