// Package ingest is an RTMP (and RTMPS) ingest server: encoders publish to
// rtmp://HOST:PORT/app/STREAMKEY, as they do to Amazon IVS, and the server
// reads their tracks and reports the session to a [Publisher], which decides
// who may publish and records what is live. The package knows nothing of
// stores or of IVS.
//
// A publish goes through these steps:
//
//  1. The encoder connects and asks to publish app/STREAMKEY (a request to
//     play, or to publish any other path, is refused).
//  2. [Publisher.Authorize] checks the stream key before any media is
//     accepted; an error refuses the publish.
//  3. The server reads the first seconds of media: the tracks' codecs and
//     parameters (H.264 SPS: profile, level, width, height; AAC
//     AudioSpecificConfig: sample rate, channels), the encoder's metadata
//     and the measured bitrate and frame rate.
//  4. [Publisher.Start] starts the session with that [TrackInfo].
//  5. While the encoder publishes, the server calls [Session.Update] every
//     Config.PollInterval with the session's [Status] (starving when no
//     media arrived for Config.StarveAfter). An Update that returns
//     [ErrStopped] disconnects the encoder: that is how the other side ends
//     a session (IVS's StopStream).
//  6. When the Session is also a [MediaSession], the server relays the
//     media of its H.264, H.265 and AAC tracks, frame by frame, to the
//     [Frames] its Media method returns (HLS playback remuxes them); other
//     media is read and dropped.
//  7. When the encoder leaves, is disconnected or times out,
//     [Frames.Close] and then [Session.End] end the session.
//
// Serving:
//
//	srv := ingest.New(ingest.Config{Publisher: pub, Logger: log})
//	ln, err := net.Listen("tcp", "127.0.0.1:1935")
//	if err != nil {
//		return err
//	}
//	return srv.Serve(ctx, ln) // until ctx ends or srv.Close
//
// Stream keys are secrets: the server never logs one, only the first
// characters of its SHA-256 (log key stream_key_sha256).
package ingest
