// The one step of vkcnnoverlay's drawing that knows the pixel layout: blending a color through
// an 8-bit coverage mask onto the frame. Shapes and text are rasterised by OpenCV into masks
// (overlay_draw.cpp, overlay_regions.cpp); one implementation per format family turns a mask
// into pixels: packed RGB/gray (overlay_composite_packed.cpp) and planar YUV with subsampled
// chroma (overlay_composite_yuv.cpp), so every shape is drawn the same way in every format.
#pragma once

#include <opencv2/core.hpp>

#include "overlay_draw.h"

namespace vkcnn_overlay {

constexpr int kFull = 255 * 255;  // mask coverage (0..255) times opacity (0..255)

// The color's opacity (its AA byte times opacity_scale, 0..1) on the 0..255 scale.
int opacity_of(guint32 argb, double opacity_scale);

// out = in * (1 - coverage) + color * coverage over `visible` (frame coordinates, inside the
// frame); coverage = mask * opacity. The mask's (0, 0) lies at `origin` in frame coordinates and
// it covers `visible`; an empty mask means full coverage.
void composite(const VkcnnOverlayCanvas& canvas, const cv::Rect& visible, cv::Point origin, const cv::Mat& mask,
               guint32 argb, double opacity_scale = 1.0);

void composite_packed(const VkcnnOverlayCanvas& canvas, const cv::Rect& visible, cv::Point origin, const cv::Mat& mask,
                      guint32 argb, int opacity);
void composite_yuv(const VkcnnOverlayCanvas& canvas, const cv::Rect& visible, cv::Point origin, const cv::Mat& mask,
                   guint32 argb, int opacity);

}  // namespace vkcnn_overlay
