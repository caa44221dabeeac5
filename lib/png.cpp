#include "ember/host/png.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

// The build decides whether stb_image_write is there (CMakeLists.txt, target
// ember_stb, which defines EMBER_HAVE_STB to 1 or 0); without it write_png
// says so on stderr and returns false.
#if !defined(EMBER_HAVE_STB)
#error "EMBER_HAVE_STB is not defined: build lib/png.cpp through CMake (it links ember_stb)"
#endif

#if EMBER_HAVE_STB
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#endif

namespace ember::host {

void colormap(double t, std::uint8_t rgb[3]) noexcept {
    // Cubehelix: brightness l = t^gamma plus a helix of hue around the grey
    // diagonal; start 0.5, -1.5 rotations, hue 1.2, gamma 1.
    const double l = std::clamp(t, 0.0, 1.0);
    const double a = 1.2 * l * (1.0 - l) / 2.0;
    const double phi = 2.0 * 3.14159265358979323846 * (0.5 / 3.0 - 1.5 * l);
    const double c = std::cos(phi), s = std::sin(phi);
    const double v[3] = {l + a * (-0.14861 * c + 1.78277 * s), l + a * (-0.29227 * c - 0.90649 * s),
                         l + a * (1.97294 * c)};
    for (int k = 0; k < 3; ++k)
        rgb[k] = static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(v[k], 0.0, 1.0)));
}

RgbImage render_grid(const float* values, int nx, int ny, double lo, double hi) {
    RgbImage img(nx, ny);
    const double span = hi > lo ? hi - lo : 1.0;
    for (int y = 0; y < ny; ++y)
        for (int x = 0; x < nx; ++x) {
            const double v = static_cast<double>(
                values[static_cast<std::size_t>(y) * static_cast<std::size_t>(nx) +
                       static_cast<std::size_t>(x)]);
            colormap(std::isfinite(v) ? (v - lo) / span : 0.0, img.at(x, ny - 1 - y));
        }
    return img;
}

std::vector<float> histogram2d(const float* xy, std::size_t n, int nx, int ny, const Extent& ext) {
    std::vector<float> h(static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny), 0.0f);
    const double sx = nx / (ext.x1 - ext.x0), sy = ny / (ext.y1 - ext.y0);
    for (std::size_t i = 0; i < n; ++i) {
        const double fx = (static_cast<double>(xy[2 * i]) - ext.x0) * sx;
        const double fy = (static_cast<double>(xy[2 * i + 1]) - ext.y0) * sy;
        if (!(fx >= 0.0 && fx < nx && fy >= 0.0 && fy < ny)) continue;
        h[static_cast<std::size_t>(fy) * static_cast<std::size_t>(nx) +
          static_cast<std::size_t>(fx)] += 1.0f;
    }
    return h;
}

RgbImage hconcat(const std::vector<RgbImage>& images, int gap) {
    int w = 0, h = 0;
    for (const auto& im : images) {
        w += im.width;
        h = std::max(h, im.height);
    }
    if (!images.empty()) w += gap * static_cast<int>(images.size() - 1);
    RgbImage out(w, h);
    int x0 = 0;
    for (const auto& im : images) {
        for (int y = 0; y < im.height; ++y)
            std::copy_n(im.pixels.data() +
                            static_cast<std::size_t>(y) * static_cast<std::size_t>(im.width) * 3u,
                        static_cast<std::size_t>(im.width) * 3u, out.at(x0, y));
        x0 += im.width + gap;
    }
    return out;
}

bool write_png(const std::string& path, const RgbImage& img) {
#if EMBER_HAVE_STB
    if (img.width <= 0 || img.height <= 0) return false;
    return stbi_write_png(path.c_str(), img.width, img.height, 3, img.pixels.data(),
                          img.width * 3) != 0;
#else
    (void)img;
    std::fprintf(stderr,
                 "ember::host::write_png: %s not written: ember was built without "
                 "stb_image_write (install libstb-dev and reconfigure)\n",
                 path.c_str());
    return false;
#endif
}

RgbImage render_points(const float* xy, std::size_t n, int nx, int ny, const Extent& ext) {
    // Histogram in bins of 5 x 5 pixels, scaled to its own maximum.
    const int bx = std::max(1, nx / 5), by = std::max(1, ny / 5);
    const std::vector<float> h = histogram2d(xy, n, bx, by, ext);
    const double cell = (ext.x1 - ext.x0) / bx * (ext.y1 - ext.y0) / by;
    std::vector<float> up(static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny));
    for (int y = 0; y < ny; ++y)
        for (int x = 0; x < nx; ++x) {
            const int cx = std::min(bx - 1, x * bx / nx), cy = std::min(by - 1, y * by / ny);
            const double v =
                static_cast<double>(h[static_cast<std::size_t>(cy) * static_cast<std::size_t>(bx) +
                                      static_cast<std::size_t>(cx)]);
            up[static_cast<std::size_t>(y) * static_cast<std::size_t>(nx) +
               static_cast<std::size_t>(x)] =
                static_cast<float>(v / (static_cast<double>(n) * cell));
        }
    double top = 0.0;
    for (float v : up) top = std::max(top, static_cast<double>(v));
    return render_grid(up.data(), nx, ny, 0.0, top);
}

RgbImage render_density(const float* density, int nx, int ny) {
    double top = 0.0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny); ++i)
        top = std::max(top, static_cast<double>(density[i]));
    return render_grid(density, nx, ny, 0.0, top);
}

bool write_density_png(const std::string& path, const float* density, int nx, int ny,
                       const Extent& ext, const float* xy, std::size_t n) {
    std::vector<RgbImage> parts;
    if (xy != nullptr && n > 0) parts.push_back(render_points(xy, n, nx, ny, ext));
    parts.push_back(render_density(density, nx, ny));
    return write_png(path, hconcat(parts));
}

} // namespace ember::host
