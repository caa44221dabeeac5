// Pictures from host tools: colour-mapped 2-D grids (densities, energies) and
// point histograms, written as PNG through stb_image_write (libstb-dev).
//
//     std::vector<float> density(nx * ny);          // row 0 = lowest y
//     ...
//     ember::host::write_density_png("out.png", density.data(), nx, ny,
//                                    {-5, 5, -5, 5}, xy.data(), xy.size() / 2);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ember::host {

/// 8-bit RGB picture, row-major, row 0 at the top, 3 bytes per pixel.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;

    RgbImage() = default;
    RgbImage(int w, int h, std::uint8_t grey = 255)
        : width(w), height(h),
          pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3u, grey) {}
    std::uint8_t* at(int x, int y) {
        return pixels.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                static_cast<std::size_t>(x)) *
                                   3u;
    }
};

/// Axis-aligned extent of a grid: x in [x0, x1], y in [y0, y1].
struct Extent {
    double x0 = -5, x1 = 5, y0 = -5, y1 = 5;
};

/// Colour of t in [0, 1] (clamped): the cubehelix scheme (D. A. Green 2011),
/// dark blue-black through green and pink to white, monotone in brightness.
void colormap(double t, std::uint8_t rgb[3]) noexcept;

/// Colour picture of nx x ny values (row-major, row 0 = lowest y, so the
/// picture has y pointing up), mapping lo..hi to the colormap.
RgbImage render_grid(const float* values, int nx, int ny, double lo, double hi);

/// Counts of n points (x, y interleaved) in an nx x ny grid over `ext`
/// (row 0 = lowest y); points outside are ignored.
std::vector<float> histogram2d(const float* xy, std::size_t n, int nx, int ny, const Extent& ext);

/// A histogram of n points (bins of 5 x 5 pixels over `ext`, scaled to its
/// own maximum) as an nx x ny picture.
RgbImage render_points(const float* xy, std::size_t n, int nx, int ny, const Extent& ext);

/// A density grid (row 0 = lowest y) scaled from 0 to its maximum.
RgbImage render_density(const float* density, int nx, int ny);

/// Pictures side by side (tops aligned) with `gap` white pixels between.
RgbImage hconcat(const std::vector<RgbImage>& images, int gap = 8);

/// Writes `img` as PNG; false on an I/O error or if the library was built
/// without stb_image_write.
bool write_png(const std::string& path, const RgbImage& img);

/// A density grid (nx x ny over `ext`, row 0 = lowest y) as a colour PNG,
/// scaled from 0 to its maximum; with points, a histogram of them (bins of
/// 5 x 5 pixels, scaled to its own maximum) appears on the left.
bool write_density_png(const std::string& path, const float* density, int nx, int ny,
                       const Extent& ext, const float* xy = nullptr, std::size_t n = 0);

} // namespace ember::host
